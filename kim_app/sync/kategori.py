"""The categories a member picks from — one list, used by the API's validation, the app shell and the portal."""

KATEGORI_BERITA = (
    ("pemerintahan", "Pemerintahan Desa"),
    ("ekonomi", "Ekonomi & UMKM"),
    ("pertanian", "Pertanian, Peternakan & Perikanan"),
    ("kesehatan", "Kesehatan"),
    ("pendidikan", "Pendidikan"),
    ("budaya", "Seni, Budaya & Pariwisata"),
    ("lingkungan", "Lingkungan & Bencana"),
    ("sosial", "Sosial & Kemasyarakatan"),
    ("olahraga", "Olahraga & Kepemudaan"),
    ("lainnya", "Lainnya"),
)

KATEGORI_ADUAN = (
    ("infrastruktur", "Jalan, Jembatan & Infrastruktur"),
    ("air", "Air Bersih"),
    ("listrik", "Listrik & Penerangan"),
    ("kesehatan", "Layanan Kesehatan"),
    ("pendidikan", "Layanan Pendidikan"),
    ("adminduk", "KTP, KK & Administrasi"),
    ("bansos", "Bantuan Sosial"),
    ("keamanan", "Keamanan & Ketertiban"),
    ("lingkungan", "Lingkungan & Sampah"),
    ("lainnya", "Lainnya"),
)

# A photo story is news told in pictures: it takes the berita's categories.
KATEGORI = {"berita": dict(KATEGORI_BERITA), "aduan": dict(KATEGORI_ADUAN), "foto": dict(KATEGORI_BERITA)}


def label(kind: str, kode: str) -> str:
    return KATEGORI.get(kind, {}).get(kode, kode)

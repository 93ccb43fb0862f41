from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from kim_app.accounts.profil import MAX_PENGURUS
from kim_app.wilayah.models import (
    BIDANG_NAMA_MAX,
    DESKRIPSI_MAX,
    JABATAN,
    KIMID_NOMOR_MAX,
    KONTAK_MAX,
    PENGURUS_NAMA_MAX,
    SK_NOMOR_MAX,
)


class LoginForm(FlaskForm):
    username = StringField("Nama pengguna", validators=[DataRequired("Isi nama pengguna."), Length(max=64)])
    password = PasswordField("Kata sandi", validators=[DataRequired("Isi kata sandi.")])


class PasswordForm(FlaskForm):
    current = PasswordField("Kata sandi sekarang", validators=[DataRequired("Isi kata sandi sekarang.")])
    new = PasswordField("Kata sandi baru", validators=[DataRequired("Isi kata sandi baru.")])
    repeat = PasswordField("Ulangi kata sandi baru", validators=[DataRequired("Ulangi kata sandi baru.")])


NO_ACCOUNT = "— tidak ditautkan —"


class PengurusRow(Form):
    """One row of the pengurus table; a row left blank is ignored, a ticked "hapus" removes it."""

    jabatan = SelectField("Jabatan", choices=[SelectChoice("", "— pilih —"),
                                                          *(SelectChoice(k, v) for k, v in JABATAN.items())],
                          validate_choice=False)
    nama = StringField("Nama", validators=[Length(max=PENGURUS_NAMA_MAX,
                                                  message=f"Nama paling banyak {PENGURUS_NAMA_MAX} karakter.")])
    bidang_nama = StringField("Nama bidang", validators=[Length(
        max=BIDANG_NAMA_MAX, message=f"Nama bidang paling banyak {BIDANG_NAMA_MAX} karakter.")])
    # The choices are the KIM's members, set by the view; the service checks the id against them again.
    akun = SelectField("Akun anggota", choices=[SelectChoice("", NO_ACCOUNT)], validate_choice=False)
    hapus = BooleanField("Hapus")

    @property
    def blank(self) -> bool:
        return not (self.jabatan.data or (self.nama.data or "").strip() or (self.bidang_nama.data or "").strip())


class ProfilForm(FlaskForm):
    sk_nomor = StringField("Nomor SK pembentukan", validators=[Length(
        max=SK_NOMOR_MAX, message=f"Nomor SK paling banyak {SK_NOMOR_MAX} karakter.")])
    # Read with kim_app/inputs.parse_day in the view (the one parser of dates from outside).
    sk_tanggal = StringField("Tanggal SK")
    kimid_nomor = StringField("Nomor registrasi KIM.ID (jika ada)", validators=[Length(
        max=KIMID_NOMOR_MAX, message=f"Nomor KIM.ID paling banyak {KIMID_NOMOR_MAX} karakter.")])
    kontak = StringField("Kontak (nomor telepon/WhatsApp atau e-mail)", validators=[Length(
        max=KONTAK_MAX, message=f"Kontak paling banyak {KONTAK_MAX} karakter.")])
    deskripsi = TextAreaField("Deskripsi singkat", validators=[Length(
        max=DESKRIPSI_MAX, message=f"Deskripsi paling banyak {DESKRIPSI_MAX} karakter.")])
    pengurus = FieldList(FormField(PengurusRow), max_entries=MAX_PENGURUS + 10)
class NewPasswordForm(FlaskForm):
    new = PasswordField("Kata sandi baru", validators=[DataRequired("Isi kata sandi baru.")])
    repeat = PasswordField("Ulangi kata sandi baru", validators=[DataRequired("Ulangi kata sandi baru.")])

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Nama pengguna", validators=[DataRequired("Isi nama pengguna."), Length(max=64)])
    password = PasswordField("Kata sandi", validators=[DataRequired("Isi kata sandi.")])


class PasswordForm(FlaskForm):
    current = PasswordField("Kata sandi sekarang", validators=[DataRequired("Isi kata sandi sekarang.")])
    new = PasswordField("Kata sandi baru", validators=[DataRequired("Isi kata sandi baru.")])
    repeat = PasswordField("Ulangi kata sandi baru", validators=[DataRequired("Ulangi kata sandi baru.")])


class NewPasswordForm(FlaskForm):
    new = PasswordField("Kata sandi baru", validators=[DataRequired("Isi kata sandi baru.")])
    repeat = PasswordField("Ulangi kata sandi baru", validators=[DataRequired("Ulangi kata sandi baru.")])

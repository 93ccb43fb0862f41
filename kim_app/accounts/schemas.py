"""The signed-in account as the phone reads it (GET /api/v1/me)."""
import marshmallow as ma

from kim_app.accounts.models import ROLES


class KimRefSchema(ma.Schema):
    id = ma.fields.Integer()
    nama = ma.fields.String()


class MeSchema(ma.Schema):
    id = ma.fields.Integer(attribute="user.id")
    username = ma.fields.String(attribute="user.username")
    nama = ma.fields.String(attribute="user.nama")
    role = ma.fields.String(attribute="user.role", metadata={"enum": list(ROLES)})
    kim = ma.fields.Nested(KimRefSchema, attribute="user.kim", allow_none=True)
    desa = ma.fields.Method("get_desa", metadata={"type": "object", "nullable": True})
    kabupaten = ma.fields.Method("get_kabupaten", metadata={"type": "object", "nullable": True})
    csrf_token = ma.fields.String(metadata={"description": "Send as X-CSRFToken on state-changing requests"})

    def get_desa(self, obj):
        kim = obj["user"].kim
        return {"kode": kim.desa.kode, "nama": kim.desa.nama} if kim else None

    def get_kabupaten(self, obj):
        user = obj["user"]
        kab = user.kim.desa.kecamatan.kabupaten if user.kim else user.kabupaten
        return {"kode": kab.kode, "nama": kab.nama} if kab else None

"""The signed-in account as the phone reads it (GET /api/v1/me)."""
import marshmallow as ma

from kim_app.accounts import policy
from kim_app.accounts.models import ROLES
from kim_app.wilayah.services import desa_of_area


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
    desa_pilihan = ma.fields.Method(
        "get_desa_pilihan",
        metadata={
            "type": "array",
            "items": {"type": "object", "properties": {"kode": {"type": "string"}, "nama": {"type": "string"}}},
            "description": "The desa this account may file items into (its KIM's area), its KIM's own desa first; "
            "empty for accounts that do not file items. A desa_kode outside it is refused with 422.",
        },
    )
    csrf_token = ma.fields.String(metadata={"description": "Send as X-CSRFToken on state-changing requests"})

    def get_desa(self, obj):
        kim = obj["user"].kim
        return {"kode": kim.desa.kode, "nama": kim.desa.nama} if kim else None

    def get_desa_pilihan(self, obj):
        user = obj["user"]
        if not policy.can_capture(user):
            return []
        return [{"kode": desa.kode, "nama": desa.nama} for desa in desa_of_area(user.kim)]

    def get_kabupaten(self, obj):
        user = obj["user"]
        kab = user.kim.desa.kecamatan.kabupaten if user.kim else user.kabupaten
        return {"kode": kab.kode, "nama": kab.nama} if kab else None


class EndedSessionsSchema(ma.Schema):
    ended = ma.fields.Integer(metadata={"description": "How many sessions of the account were open and are now ended"})

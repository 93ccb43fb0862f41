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

KATEGORI = {"berita": dict(KATEGORI_BERITA), "aduan": dict(KATEGORI_ADUAN)}


def label(kind: str, kode: str) -> str:
    return KATEGORI.get(kind, {}).get(kode, kode)

"""Full-text search over published items: PostgreSQL's `indonesian` configuration, SQLite's FTS5

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 19:45:00.000000

The portal's search (/cari, kim_app/publish/search.py) reads the text the public already sees: the headline and body
fields of the public kinds (berita: judul, isi; foto: keterangan), frozen here as they were in the registry when this
revision was written. A complaint's text and the complainant's name and number are never indexed.

PostgreSQL: a stored generated column `search_vector` (headline words weight A, body words B; NULL for kinds that are
not public) and a GIN index on it, partial on the published rows as the lists' indexes of 0012 are. Generated, so a
moderator's correction of a published berita is searchable in the same transaction, with no trigger to forget.

SQLite: an FTS5 table `submission_fts` (rowid = the item's id; the unicode61 tokenizer that folds diacritics) that
holds the text of published items only, kept in step by triggers on `submission`. A later revision that rebuilds
`submission` on SQLite (the `_rebuild` pattern) drops these triggers with the old table and must create them again.
The highlighting marks (U+E000, U+E001, private use) are taken out of the indexed text so that the text can never
fake a mark.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

PUBLIC_KINDS = ('berita', 'foto')
HEADLINE_FIELDS = ('judul', 'keterangan')  # weight A
BODY_FIELDS = ('isi',)  # weight B
FTS_COLUMNS = ('judul', 'isi', 'keterangan')
PUBLISHED = "status = 'disetujui' AND published_at IS NOT NULL"
KINDS_SQL = ", ".join(f"'{kind}'" for kind in PUBLIC_KINDS)
TRIGGERS = ('submission_fts_insert', 'submission_fts_update', 'submission_fts_delete')


def _vector(fields, weight):
    return " || ".join(f"setweight(to_tsvector('indonesian'::regconfig, coalesce({name}, '')), '{weight}')"
                       for name in fields)


def _stripped(row, name):
    return f"replace(replace({row}.{name}, char(57344), ''), char(57345), '')"


def _fts_insert(row):
    values = ", ".join(_stripped(row, name) for name in FTS_COLUMNS)
    return (f"INSERT INTO submission_fts (rowid, {', '.join(FTS_COLUMNS)}) SELECT {row}.id, {values} "
            f"WHERE {row}.kind IN ({KINDS_SQL}) AND {row}.status = 'disetujui' AND {row}.published_at IS NOT NULL;")


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "ALTER TABLE submission ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            f"CASE WHEN kind IN ({KINDS_SQL}) THEN {_vector(HEADLINE_FIELDS, 'A')} || {_vector(BODY_FIELDS, 'B')} END"
            ") STORED"
        )
        op.execute(f"CREATE INDEX ix_submission_search ON submission USING gin (search_vector) WHERE {PUBLISHED}")
        return
    op.execute(f"CREATE VIRTUAL TABLE submission_fts USING fts5({', '.join(FTS_COLUMNS)}, "
               "tokenize = 'unicode61 remove_diacritics 2')")
    op.execute(f"CREATE TRIGGER submission_fts_insert AFTER INSERT ON submission BEGIN {_fts_insert('new')} END")
    op.execute(
        "CREATE TRIGGER submission_fts_update AFTER UPDATE OF kind, status, published_at, "
        f"{', '.join(FTS_COLUMNS)} ON submission BEGIN "
        f"DELETE FROM submission_fts WHERE rowid = old.id; {_fts_insert('new')} END"
    )
    op.execute("CREATE TRIGGER submission_fts_delete AFTER DELETE ON submission BEGIN "
               "DELETE FROM submission_fts WHERE rowid = old.id; END")
    values = ", ".join(_stripped("submission", name) for name in FTS_COLUMNS)
    op.execute(f"INSERT INTO submission_fts (rowid, {', '.join(FTS_COLUMNS)}) SELECT id, {values} FROM submission "
               f"WHERE kind IN ({KINDS_SQL}) AND {PUBLISHED}")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_submission_search")
        op.execute("ALTER TABLE submission DROP COLUMN search_vector")
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE submission_fts")

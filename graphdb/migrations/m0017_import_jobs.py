"""Migration 17, import jobs: files too big for one importRecords request, uploaded in chunks.

A job (`:ImportJob`) is found by its id, and a user's open jobs by `ownerId` (each user may
have only a few open at once). Its uploaded pieces (`:ImportChunk`) are found by `key` =
`<job id>:<index>` (unique: two uploads of the same piece cannot both land) and deleted by
`jobId` when the job ends (graphdb/io/jobs.py).
"""

STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT import_job_id_unique IF NOT EXISTS FOR (n:ImportJob) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX import_job_owner IF NOT EXISTS FOR (n:ImportJob) ON (n.ownerId)",
    "CREATE CONSTRAINT import_chunk_key_unique IF NOT EXISTS "
    "FOR (n:ImportChunk) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX import_chunk_job IF NOT EXISTS FOR (n:ImportChunk) ON (n.jobId)",
)

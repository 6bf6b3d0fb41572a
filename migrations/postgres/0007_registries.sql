-- 0007_registries (PostgreSQL): endpoints synced from an MCP registry (issue 15). Same tables as
-- SQLite's 0009: a fourth endpoint source, each registry endpoint's facts, each registry's sync state.
ALTER TABLE endpoints DROP CONSTRAINT endpoints_source_check;
ALTER TABLE endpoints ADD CONSTRAINT endpoints_source_check CHECK (source IN ('config', 'api', 'import', 'registry'));

-- What the registry says about a registry-owned endpoint, shown on the pages as escaped text.
CREATE TABLE registry_facts (
  endpoint_id    bigint PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
  registry       text   NOT NULL,
  server_name    text   NOT NULL,
  title          text,
  description    text,
  version        text,
  repository_url text,
  website_url    text,
  status         text   NOT NULL CHECK (status IN ('active', 'deprecated', 'deleted'))
);

-- Each registry's sync progress: where the next incremental pass starts, and how the last went.
CREATE TABLE registry_sync (
  name            text    PRIMARY KEY,
  updated_since   text,
  last_attempt_ms bigint,
  last_success_ms bigint,
  last_error      text,
  servers         integer NOT NULL DEFAULT 0
);

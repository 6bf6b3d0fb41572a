-- 0012_status_pages: status pages an operator makes (issue 16): pages with a logo, groups of
-- endpoints, and incident posts with their updates. Times are ms since the epoch. The bounds
-- repeat src/domain/status-pages.ts (STATUS_PAGE_LIMITS) as a last line of defence; the API
-- checks them first with messages a person can act on.
CREATE TABLE status_pages (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  slug          TEXT    NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
  title         TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description   TEXT    CHECK (length(description) <= 2000),
  footer        TEXT    CHECK (length(footer) <= 1000),
  custom_domain TEXT    UNIQUE CHECK (length(custom_domain) <= 253),
  is_default    INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
  logo          BLOB    CHECK (length(logo) <= 262144),
  logo_type     TEXT    CHECK (logo_type IN ('image/png', 'image/jpeg', 'image/webp', 'image/gif')),
  logo_name     TEXT,
  logo_size     INTEGER,
  created_ms    INTEGER NOT NULL,
  updated_ms    INTEGER NOT NULL
) STRICT;

-- At most one default page: /status shows it.
CREATE UNIQUE INDEX status_pages_one_default ON status_pages (is_default) WHERE is_default = 1;

CREATE TABLE status_page_groups (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  page_id  INTEGER NOT NULL REFERENCES status_pages (id) ON DELETE CASCADE,
  name     TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  position INTEGER NOT NULL,
  UNIQUE (page_id, position)
) STRICT;

-- Deleting an endpoint takes it off every page.
CREATE TABLE status_page_members (
  group_id    INTEGER NOT NULL REFERENCES status_page_groups (id) ON DELETE CASCADE,
  endpoint_id INTEGER NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  PRIMARY KEY (group_id, endpoint_id)
) STRICT;

CREATE INDEX status_page_members_endpoint ON status_page_members (endpoint_id);

CREATE TABLE incident_posts (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  page_id     INTEGER NOT NULL REFERENCES status_pages (id) ON DELETE CASCADE,
  title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  status      TEXT    NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
  created_ms  INTEGER NOT NULL,
  resolved_ms INTEGER,
  updated_ms  INTEGER NOT NULL
) STRICT;

CREATE INDEX incident_posts_page ON incident_posts (page_id, updated_ms);

CREATE TABLE incident_post_updates (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  post_id INTEGER NOT NULL REFERENCES incident_posts (id) ON DELETE CASCADE,
  status  TEXT    NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
  body    TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
  at_ms   INTEGER NOT NULL
) STRICT;

CREATE INDEX incident_post_updates_post ON incident_post_updates (post_id, at_ms);

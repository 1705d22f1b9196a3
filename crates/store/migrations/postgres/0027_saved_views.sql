-- A person's saved views: a list's filters kept under a name, shown in
-- the menu with how many rows they hold. Only the owner sees them.
CREATE TABLE saved_views (
    id          BIGSERIAL PRIMARY KEY,
    office_id   BIGINT NOT NULL REFERENCES offices(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    list        TEXT NOT NULL,   -- cases
    query       TEXT NOT NULL,   -- the list's filters, as its address's query
    created_at  BIGINT NOT NULL,
    UNIQUE (user_id, name)
);

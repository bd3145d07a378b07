CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    kind text NOT NULL,
    detail jsonb,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX events_created_at ON events (created_at);
CREATE INDEX events_user_id ON events (user_id);

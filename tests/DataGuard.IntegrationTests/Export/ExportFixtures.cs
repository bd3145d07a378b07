namespace DataGuard.IntegrationTests.Export;

/// <summary>A small application schema with everything the subject data map must handle: direct and indirect references, a composite key, a many-to-many join table, two references to the subject from one table, a cycle, a self reference, a reference without a foreign key, secrets, and awkward text.</summary>
internal static class ExportFixtures
{
    /// <summary>The awkward text of user 1's display name: quotes, a comma, a newline, a formula, accents and CJK.</summary>
    public const string AwkwardName = "=HYPERLINK(\"x\"), \"Zoë\"\nÉlodie 日本語";

    public const string Secret = "s3cr3t-hash-value-do-not-leak";

    public const string Schema = """
        CREATE TABLE teams (id int PRIMARY KEY, name text NOT NULL, captain_id int);
        CREATE TABLE users (
            id int PRIMARY KEY, email text NOT NULL, display_name text, password_hash text, api_token text,
            team_id int REFERENCES teams, best_friend_id int REFERENCES users, active boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL DEFAULT now(), birthday date, score numeric(10, 2), tags text[], settings jsonb, avatar bytea);
        ALTER TABLE teams ADD FOREIGN KEY (captain_id) REFERENCES users;
        CREATE TABLE profiles (user_id int PRIMARY KEY REFERENCES users, bio text);
        CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, total numeric(10, 2) NOT NULL, placed_at timestamptz NOT NULL);
        CREATE TABLE order_items (order_id int REFERENCES orders ON DELETE CASCADE, line_no int, sku text NOT NULL, PRIMARY KEY (order_id, line_no));
        CREATE TABLE shipments (id serial PRIMARY KEY, order_id int, line_no int, carrier text, FOREIGN KEY (order_id, line_no) REFERENCES order_items ON DELETE CASCADE);
        CREATE TABLE groups (id int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE user_groups (user_id int REFERENCES users, group_id int REFERENCES groups, PRIMARY KEY (user_id, group_id));
        CREATE TABLE messages (id serial PRIMARY KEY, sender_id int NOT NULL REFERENCES users, recipient_id int NOT NULL REFERENCES users, body text);
        CREATE TABLE audit_log (id serial PRIMARY KEY, user_id int, action text NOT NULL);
        CREATE TABLE page_views (id serial PRIMARY KEY, user_id int, url text);

        INSERT INTO teams VALUES (1, 'red', NULL), (2, 'blue', NULL);
        INSERT INTO users (id, email, display_name, password_hash, api_token, team_id, best_friend_id, birthday, score, tags, settings, avatar) VALUES
            (1, 'a@example.com', '=HYPERLINK("x"), "Zoë"' || chr(10) || 'Élodie 日本語', 's3cr3t-hash-value-do-not-leak', 'tok-a', 1, NULL, '1990-05-17', 12.50, ARRAY['x', 'y'], '{"theme": "dark", "n": 3}', '\x010203'),
            (2, 'b@example.com', 'Bob', 'other-hash-b', 'tok-b', 2, 1, NULL, NULL, NULL, NULL, NULL);
        UPDATE teams SET captain_id = 1 WHERE id = 1;
        UPDATE teams SET captain_id = 2 WHERE id = 2;
        UPDATE users SET best_friend_id = 2 WHERE id = 1;
        INSERT INTO profiles VALUES (1, 'Hello, "world"'), (2, 'Bob''s bio');
        INSERT INTO orders VALUES (10, 1, 99.90, '2021-01-01T10:00:00Z'), (11, 1, 5.00, '2026-01-01T10:00:00Z'), (20, 2, 7.00, '2021-01-02T10:00:00Z');
        INSERT INTO order_items VALUES (10, 1, 'sku-a1'), (10, 2, 'sku-a2'), (11, 1, 'sku-a3'), (20, 1, 'sku-b1');
        INSERT INTO shipments (order_id, line_no, carrier) VALUES (10, 1, 'DHL'), (20, 1, 'UPS');
        INSERT INTO groups VALUES (1, 'admins'), (2, 'readers');
        INSERT INTO user_groups VALUES (1, 1), (1, 2), (2, 2);
        INSERT INTO messages (sender_id, recipient_id, body) VALUES (1, 2, 'hi bob'), (2, 1, 'hi alice'), (2, 2, 'note to self');
        INSERT INTO audit_log (user_id, action) VALUES (1, 'login'), (2, 'login'), (2, 'logout');
        INSERT INTO page_views (user_id, url) VALUES (1, '/a'), (2, '/b');
        """;
}

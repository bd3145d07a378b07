namespace DataGuard.IntegrationTests.Migrations;

/// <summary>
/// A project's worth of migration files (100+ pairs), shaped like real ones: tables and columns, functions with $$
/// bodies holding semicolons, triggers, an enum grown with ALTER TYPE ... ADD VALUE, a file with its own BEGIN/COMMIT,
/// CREATE INDEX CONCURRENTLY alone in a no-transaction file, comment-only downs, pairs whose titles differ.
/// </summary>
public static class MigrationFixtures
{
    public static List<(string Name, string Text)> Project(int tables = 100)
    {
        var files = new List<(string, string)>
        {
            ("0001_create_schema.up.sql", "CREATE SCHEMA app;\n"),
            ("0001_drop_schema.down.sql", "DROP SCHEMA app;\n"),
            ("0002_status_enum.up.sql", "CREATE TYPE app.status AS ENUM ('new', 'done');\n"),
            ("0002_status_enum.down.sql", "DROP TYPE app.status;\n"),
        };
        for (var i = 0; i < tables; i++)
        {
            var v = 3 + (i * 1);
            var name = $"t{i:D3}";
            var up = (i % 10) switch
            {
                1 => $"""
                    CREATE TABLE app.{name} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text, updated_at timestamptz);
                    CREATE FUNCTION app.{name}_touch() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        NEW.updated_at := now(); -- a comment; with a semicolon
                        RETURN NEW;
                    END;
                    $$;
                    CREATE TRIGGER {name}_touch BEFORE UPDATE ON app.{name} FOR EACH ROW EXECUTE FUNCTION app.{name}_touch();
                    """,
                2 => $"""
                    BEGIN;
                    CREATE TABLE app.{name} (id int PRIMARY KEY, note text DEFAULT 'it''s; fine');
                    INSERT INTO app.{name} VALUES (1, DEFAULT);
                    COMMIT;
                    """,
                3 => $"""
                    CREATE TABLE app.{name} (id int PRIMARY KEY, s app.status NOT NULL DEFAULT 'new');
                    DO $do$ BEGIN IF NOT EXISTS (SELECT 1 FROM app.{name}) THEN RAISE NOTICE 'empty; ok'; END IF; END $do$;
                    """,
                _ => $"CREATE TABLE app.{name} (id int PRIMARY KEY, v text);\nINSERT INTO app.{name} SELECT g, md5(g::text) FROM generate_series(1, 10) g;\n",
            };
            var down = (i % 10) switch
            {
                1 => $"DROP TRIGGER {name}_touch ON app.{name};\nDROP FUNCTION app.{name}_touch();\nDROP TABLE app.{name};\n",
                _ => $"DROP TABLE app.{name};\n",
            };
            var downTitle = i % 7 == 0 ? $"undo_{name}" : $"create_{name}";
            files.Add(($"{v:D4}_create_{name}.up.sql", up));
            files.Add(($"{v:D4}_{downTitle}.down.sql", down));
        }

        var next = 3 + tables;
        files.Add(($"{next:D4}_status_archived.up.sql", "ALTER TYPE app.status ADD VALUE 'archived';\n"));
        files.Add(($"{next:D4}_status_archived.down.sql", "-- PostgreSQL cannot drop an enum value; the value stays and is harmless.\n"));
        files.Add(($"{next + 1:D4}_index_concurrently.up.sql", "-- dataguard:no-transaction\nCREATE INDEX CONCURRENTLY t000_v ON app.t000 (v);\n"));
        files.Add(($"{next + 1:D4}_index_concurrently.down.sql", "-- dataguard:no-transaction\nDROP INDEX CONCURRENTLY app.t000_v;\n"));
        files.Add(($"{next + 2:D4}_settings.sql", "-- migrate:up\nCREATE TABLE app.settings (k text PRIMARY KEY, v jsonb);\n-- migrate:down\nDROP TABLE app.settings;\n"));
        return files;
    }
}

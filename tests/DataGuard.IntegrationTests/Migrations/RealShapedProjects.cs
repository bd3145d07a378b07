using System.Globalization;
using System.Text;

namespace DataGuard.IntegrationTests.Migrations;

/// <summary>
/// Seeded generators of migration directories shaped like public golang-migrate and dbmate projects (their shape, not
/// their text): zero-padded 6-digit or timestamp versions, <c>CREATE INDEX CONCURRENTLY</c> alone in a file with no
/// directive (golang-migrate runs it because one statement is not in a transaction block), two of them in one file,
/// data backfills whose down is a comment or empty, PL/pgSQL <c>$$</c> bodies full of semicolons, files wrapped in
/// their own <c>BEGIN; ... COMMIT;</c>, dbmate files with <c>-- migrate:up transaction:false</c>.
/// </summary>
public static class RealShapedProjects
{
    /// <summary>The sets by name (for theories).</summary>
    public static List<(string Name, string Text)> Get(string name, int seed = 16, int pairs = 110) => name switch
    {
        "concurrent-indexes" => ConcurrentIndexes(seed, pairs),
        "backfills" => Backfills(seed, pairs),
        "own-transactions" => OwnTransactions(seed, pairs),
        "dbmate" => Dbmate(seed, pairs),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>golang-migrate: <c>000001_create_users.up.sql</c>; index migrations are CONCURRENTLY alone in their file, one file has two.</summary>
    public static List<(string Name, string Text)> ConcurrentIndexes(int seed, int pairs)
    {
        var random = new Random(seed);
        var files = new List<(string, string)>();
        var tables = new List<string>();
        var version = 0;
        while (files.Count < pairs * 2)
        {
            version++;
            var v = version.ToString("D6", CultureInfo.InvariantCulture);
            if (tables.Count < 2 || random.Next(4) > 0 || version % 7 == 0)
            {
                var table = $"items_{version}";
                tables.Add(table);
                files.Add(($"{v}_create_{table}.up.sql", $"CREATE TABLE IF NOT EXISTS {table} (\n    id BIGSERIAL PRIMARY KEY,\n    owner_id BIGINT NOT NULL,\n    name TEXT NOT NULL DEFAULT '',\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now()\n);\n"));
                files.Add(($"{v}_create_{table}.down.sql", $"DROP TABLE IF EXISTS {table};\n"));
            }
            else if (version % 5 == 0)
            {
                // Two concurrent builds in one file: golang-migrate sends them as one query and PostgreSQL refuses it.
                var a = tables[random.Next(tables.Count)];
                var b = tables[random.Next(tables.Count)];
                files.Add(($"{v}_add_indexes_{a}_{b}.up.sql", $"CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_{v}_a ON {a} (owner_id);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_{v}_b ON {b} (created_at DESC);\n"));
                files.Add(($"{v}_add_indexes_{a}_{b}.down.sql", $"DROP INDEX CONCURRENTLY IF EXISTS idx_{v}_b;\nDROP INDEX CONCURRENTLY IF EXISTS idx_{v}_a;\n"));
            }
            else
            {
                var t = tables[random.Next(tables.Count)];
                var unique = random.Next(3) == 0 ? "UNIQUE " : string.Empty;
                var column = unique.Length > 0 ? "id, name" : "name";
                files.Add(($"{v}_index_{t}.up.sql", $"-- Built concurrently so writes are not blocked.\nCREATE {unique}INDEX CONCURRENTLY idx_{v} ON {t} ({column});\n"));
                files.Add(($"{v}_index_{t}.down.sql", $"DROP INDEX CONCURRENTLY IF EXISTS idx_{v};\n"));
            }
        }

        return files;
    }

    /// <summary>golang-migrate with timestamp versions: tables, triggers with <c>$$</c> bodies, and data backfills whose down is a comment or an empty file.</summary>
    public static List<(string Name, string Text)> Backfills(int seed, int pairs)
    {
        var random = new Random(seed);
        var files = new List<(string, string)>();
        var start = new DateTime(2023, 1, 2, 9, 0, 0, DateTimeKind.Utc);
        var tables = new List<string>();
        for (var i = 0; i < pairs; i++)
        {
            var v = start.AddHours(i * 7).AddMinutes(random.Next(60)).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            if (tables.Count == 0 || i % 3 == 0)
            {
                var table = $"accounts_{i}";
                tables.Add(table);
                files.Add(($"{v}_create_{table}.up.sql", $$"""
                    CREATE TABLE {{table}} (
                        id integer PRIMARY KEY,
                        email text,
                        status text NOT NULL DEFAULT 'new',
                        updated_at timestamptz
                    );

                    CREATE OR REPLACE FUNCTION {{table}}_touch() RETURNS trigger AS $$
                    BEGIN
                        -- keep updated_at fresh; runs on every update;
                        NEW.updated_at := now();
                        IF NEW.status = 'gone;' THEN
                            RAISE NOTICE 'row %; gone', NEW.id;
                        END IF;
                        RETURN NEW;
                    END;
                    $$ LANGUAGE plpgsql;

                    CREATE TRIGGER {{table}}_touch BEFORE UPDATE ON {{table}}
                        FOR EACH ROW EXECUTE FUNCTION {{table}}_touch();

                    INSERT INTO {{table}} (id, email) SELECT g, 'user' || g || '@example.test' FROM generate_series(1, 20) g;
                    """));
                files.Add(($"{v}_create_{table}.down.sql", $"DROP TRIGGER IF EXISTS {table}_touch ON {table};\nDROP FUNCTION IF EXISTS {table}_touch();\nDROP TABLE IF EXISTS {table};\n"));
            }
            else
            {
                var table = tables[random.Next(tables.Count)];
                files.Add(($"{v}_backfill_{table}_status.up.sql", $$"""
                    /* Backfill: normalise statuses; the /* nested */ comment holds a ; too. */
                    UPDATE {{table}} SET status = CASE WHEN id % 2 = 0 THEN 'active' ELSE E'inactive\'s' END WHERE status = 'new';
                    DO $backfill$
                    DECLARE n integer;
                    BEGIN
                        SELECT count(*) INTO n FROM {{table}};
                        RAISE NOTICE 'backfilled %; done', n;
                    END
                    $backfill$;
                    """));
                files.Add(($"{v}_backfill_{table}_status.down.sql", (i % 4) switch
                {
                    0 => string.Empty,
                    1 => "\n\n",
                    _ => "-- Data backfill: nothing to undo.\n-- (the old values are not kept; see the up file)\n",
                }));
            }
        }

        return files;
    }

    /// <summary>golang-migrate with every file wrapped in its own <c>BEGIN; ... COMMIT;</c>; <paramref name="brokenDown"/> breaks that version's down on its line 3.</summary>
    public static List<(string Name, string Text)> OwnTransactions(int seed, int pairs, int? brokenDown = null)
    {
        var random = new Random(seed);
        var files = new List<(string, string)>();
        for (var i = 1; i <= pairs; i++)
        {
            var v = i.ToString("D4", CultureInfo.InvariantCulture);
            var table = $"orders_{i}";
            var extra = random.Next(3) == 0 ? ",\n    note text DEFAULT 'it''s; fine'" : string.Empty;
            files.Add(($"{v}_create_{table}.up.sql", $"BEGIN;\n\nCREATE TABLE {table} (\n    id serial PRIMARY KEY,\n    total numeric(12, 2) NOT NULL DEFAULT 0{extra}\n);\nCREATE INDEX {table}_total ON {table} (total);\n\nCOMMIT;\n"));
            var down = i == brokenDown
                ? $"BEGIN;\nDROP INDEX {table}_total;\nDROPP TABLE {table};\nCOMMIT;\n"
                : $"BEGIN;\nDROP INDEX {table}_total;\nDROP TABLE {table};\nCOMMIT;\n";
            files.Add(($"{v}_create_{table}.down.sql", down));
        }

        return files;
    }

    /// <summary>dbmate: <c>20240101000000_name.sql</c> with <c>-- migrate:up</c> / <c>-- migrate:down</c>; index files use <c>transaction:false</c>.</summary>
    public static List<(string Name, string Text)> Dbmate(int seed, int pairs)
    {
        var random = new Random(seed);
        var files = new List<(string, string)>();
        var start = new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var tables = new List<string>();
        for (var i = 0; i < pairs; i++)
        {
            var v = start.AddDays(i).AddSeconds(random.Next(86_000)).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            var text = new StringBuilder();
            if (tables.Count == 0 || i % 4 != 3)
            {
                var table = $"events_{i}";
                tables.Add(table);
                text.Append(CultureInfo.InvariantCulture, $"-- migrate:up\ncreate table {table} (\n  id bigint generated always as identity primary key,\n  kind text not null,\n  payload jsonb not null default '{{}}'::jsonb\n);\n\n");
                text.Append(CultureInfo.InvariantCulture, $"-- migrate:down\ndrop table {table};\n");
                files.Add(($"{v}_create_{table}.sql", text.ToString()));
            }
            else
            {
                var table = tables[random.Next(tables.Count)];
                text.Append(CultureInfo.InvariantCulture, $"-- migrate:up transaction:false\ncreate index concurrently if not exists {table}_kind_{i} on {table} (kind);\n\n");
                text.Append(CultureInfo.InvariantCulture, $"-- migrate:down transaction:false\ndrop index concurrently if exists {table}_kind_{i};\n");
                files.Add(($"{v}_index_{table}_kind.sql", text.ToString()));
            }
        }

        return files;
    }
}

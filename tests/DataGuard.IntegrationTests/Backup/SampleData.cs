using Npgsql;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>An application schema with the types and shapes a backup must carry: keys, json, arrays, bytea, partitions, odd names.</summary>
public static class SampleData
{
    public static readonly string[] Tables =
    [
        "public.users", "public.orders", "public.Odd Name", "billing.invoices", "public.events_2026_01", "public.events_2026_02",
    ];

    public static async Task SeedAsync(string connectionString, int users = 500)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($""""
            CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name text,
                created_at timestamptz NOT NULL DEFAULT now(), profile jsonb, tags text[], photo bytea);
            CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                total numeric(12,2) NOT NULL, placed_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE "Odd Name" ("Weird ""Column""" text);
            CREATE SCHEMA billing;
            CREATE TABLE billing.invoices (id int PRIMARY KEY, order_id bigint REFERENCES orders(id), amount numeric);
            CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
            CREATE TABLE events_2026_01 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
            CREATE TABLE events_2026_02 PARTITION OF events FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.placed_at := now(); RETURN NEW; END $$;
            CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
            INSERT INTO users (email, name, profile, tags, photo)
              SELECT 'user' || g || '@example.com', 'Zoë Ünïcode ' || g, jsonb_build_object('n', g, 'nested', jsonb_build_object('ok', true)),
                     ARRAY['a' || g, 'b'], decode(md5(g::text), 'hex')
              FROM generate_series(1, {users}) g;
            INSERT INTO orders (user_id, total) SELECT 1 + (g % {users}), (g % 997) + 0.5 FROM generate_series(1, {users * 3}) g;
            INSERT INTO "Odd Name" VALUES ('quote '' and "double"'), (NULL);
            INSERT INTO billing.invoices SELECT g, g, g * 1.5 FROM generate_series(1, {users}) g;
            INSERT INTO events SELECT g, DATE '2026-01-01' + (g % 59), repeat('x', g % 50) FROM generate_series(1, {users * 2}) g;
            """", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A fingerprint of every table's rows, to compare a restore with its source.</summary>
    public static async Task<Dictionary<string, string>> FingerprintAsync(string connectionString)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var table in Tables)
        {
            var dot = table.IndexOf('.', StringComparison.Ordinal);
            var quoted = $"\"{table[..dot]}\".\"{table[(dot + 1)..]}\"";
            await using var command = new NpgsqlCommand($"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {quoted} t", connection);
            result[table] = (string)(await command.ExecuteScalarAsync())!;
        }

        return result;
    }

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

using System.Globalization;
using System.Text;

namespace DataGuard.IntegrationTests.Supabase;

/// <summary>Seeded rows for a Supabase-shaped project, inserted as the project's role: sign-ups (whose trigger makes the profiles), identities, tokens, todos, a bucket and its objects' rows.</summary>
public static class SupabaseSeed
{
    public static string Sql(int seed, int users)
    {
        var random = new Random(seed);
        var sql = new StringBuilder();
        for (var i = 0; i < users; i++)
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            var id = new Guid(bytes);
            var name = $"user{i}_{random.Next(1000, 9999)}";
            sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO auth.users (instance_id, id, aud, role, email, encrypted_password, raw_user_meta_data, created_at) VALUES ('00000000-0000-0000-0000-000000000000', '{id}', 'authenticated', 'authenticated', '{name}@example.com', '$2a$10${name}', '{{\"username\": \"{name}\"}}', timestamptz '2026-11-01 00:00:00+00' + interval '{i} minutes');\n");
            sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO auth.identities (id, user_id, identity_data, provider, created_at) VALUES ('{id}', '{id}', '{{\"sub\": \"{id}\"}}', 'email', now());\n");
            sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO auth.refresh_tokens (token, user_id, revoked) VALUES ('tok{random.Next()}', '{id}', {(random.Next(2) == 0 ? "true" : "false")});\n");
            for (var t = random.Next(0, 6); t > 0; t--)
            {
                sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO public.todos (user_id, task, is_complete) VALUES ('{id}', 'task {random.Next()} for {name}', {(random.Next(2) == 0 ? "true" : "false")});\n");
            }

            sql.Append(CultureInfo.InvariantCulture, $"UPDATE public.profiles SET avatar_url = 'avatars/{name}.png' WHERE id = '{id}';\n");
            if (i == 0)
            {
                sql.Append("INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', true);\n");
            }

            sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO storage.objects (bucket_id, name, owner, metadata) VALUES ('avatars', '{name}.png', '{id}', '{{\"size\": {random.Next(100, 5000)}, \"mimetype\": \"image/png\"}}');\n");
        }

        return sql.ToString();
    }
}

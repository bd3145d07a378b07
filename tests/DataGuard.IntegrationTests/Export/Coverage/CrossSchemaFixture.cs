namespace DataGuard.IntegrationTests.Export.Coverage;

/// <summary>
/// Supabase-shaped: the subject is <c>auth.users</c> (uuid keys) in its own schema, referenced from three <c>public</c>
/// tables (<c>profiles.id</c> and <c>posts.author_id</c> with foreign keys, <c>activity.user_id</c> without one), and
/// a membership join table with a composite key referenced by a composite foreign key.
/// </summary>
internal static class CrossSchemaFixture
{
    public const string Alice = "6f1c2b1e-0000-4000-8000-000000000001";
    public const string Bob = "6f1c2b1e-0000-4000-8000-000000000002";

    public const string Schema = $"""
        CREATE SCHEMA auth;
        CREATE TABLE auth.users (id uuid PRIMARY KEY, email text NOT NULL, encrypted_password text);
        INSERT INTO auth.users VALUES ('{Alice}', 'alice@example.com', 'x'), ('{Bob}', 'bob@example.com', 'y'),
            ('6f1c2b1e-0000-4000-8000-000000000003', 'carol@example.com', 'z');
        CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users ON DELETE CASCADE, username text);
        INSERT INTO public.profiles SELECT id, split_part(email, '@', 1) FROM auth.users;
        CREATE TABLE public.posts (id bigserial PRIMARY KEY, author_id uuid NOT NULL REFERENCES auth.users(id), title text);
        INSERT INTO public.posts (author_id, title) SELECT u.id, 'post ' || n FROM auth.users u, generate_series(1, 5) n;
        CREATE TABLE public.activity (id bigserial PRIMARY KEY, user_id uuid NOT NULL, action text);
        INSERT INTO public.activity (user_id, action) SELECT u.id, 'action ' || n FROM auth.users u, generate_series(1, 7) n;
        CREATE TABLE public.orgs (id integer PRIMARY KEY, name text);
        INSERT INTO public.orgs VALUES (1, 'one'), (2, 'two');
        CREATE TABLE public.memberships (user_id uuid REFERENCES auth.users, org_id integer REFERENCES public.orgs, role text, PRIMARY KEY (user_id, org_id));
        INSERT INTO public.memberships SELECT u.id, o.id, 'member' FROM auth.users u, public.orgs o;
        CREATE TABLE public.membership_grants (id serial PRIMARY KEY, user_id uuid NOT NULL, org_id integer NOT NULL, scope text,
            FOREIGN KEY (user_id, org_id) REFERENCES public.memberships);
        INSERT INTO public.membership_grants (user_id, org_id, scope) SELECT user_id, org_id, 'scope ' || role FROM public.memberships;
        """;

    /// <summary>A subject table <c>identity.members</c> keyed by <paramref name="type"/>, a partitioned table referencing it with a foreign key on one partition only, and a <c>member_id</c> column without a foreign key.</summary>
    public static string Keyed(string type, string[] keys) => $"""
        CREATE SCHEMA identity;
        CREATE TABLE identity.members (member_key {type} PRIMARY KEY, name text);
        INSERT INTO identity.members SELECT k, 'member ' || k FROM unnest(ARRAY[{string.Join(", ", keys.Select(k => $"'{k.Replace("'", "''", StringComparison.Ordinal)}'"))}]::{type}[]) k;
        CREATE TABLE public.events (id integer, member_key {type} NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
        CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES FROM ('2020-01-01') TO ('2023-01-01');
        CREATE TABLE public.events_b PARTITION OF public.events FOR VALUES FROM ('2023-01-01') TO ('2030-01-01');
        ALTER TABLE ONLY public.events_a ADD FOREIGN KEY (member_key) REFERENCES identity.members;
        INSERT INTO public.events SELECT row_number() OVER (), m.member_key, date '2021-01-01' + n * 100 FROM identity.members m, generate_series(1, 12) n;
        CREATE TABLE public.member_notes (id serial PRIMARY KEY, member_id {type}, body text);
        INSERT INTO public.member_notes (member_id, body) SELECT member_key, 'note' FROM identity.members;
        """;
}

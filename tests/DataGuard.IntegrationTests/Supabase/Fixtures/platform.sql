-- The platform's part of a Supabase database, run as a superuser in the new database (:owner = the project's role).
CREATE PUBLICATION supabase_realtime;
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
GRANT USAGE ON SCHEMA public TO project_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO project_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO project_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO project_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE project_owner IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE project_owner IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
GRANT USAGE ON SCHEMA extensions TO project_owner, anon, authenticated, service_role;
GRANT ALL ON DATABASE CURRENT_DATABASE_PLACEHOLDER TO project_owner, dashboard_user;
GRANT CREATE ON SCHEMA public TO project_owner;

-- auth (00000000000001-auth-schema.sql, abridged, plus identities as GoTrue adds it)
CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_admin;
CREATE TABLE auth.users (
    instance_id uuid NULL, id uuid NOT NULL UNIQUE, aud varchar(255) NULL, "role" varchar(255) NULL,
    email varchar(255) NULL UNIQUE, encrypted_password varchar(255) NULL, confirmed_at timestamptz NULL,
    raw_app_meta_data jsonb NULL, raw_user_meta_data jsonb NULL, is_super_admin bool NULL,
    created_at timestamptz NULL, updated_at timestamptz NULL, CONSTRAINT users_pkey PRIMARY KEY (id));
CREATE INDEX users_instance_id_email_idx ON auth.users USING btree (instance_id, email);
COMMENT ON TABLE auth.users IS 'Auth: Stores user login data within a secure schema.';
CREATE TABLE auth.refresh_tokens (
    instance_id uuid NULL, id bigserial NOT NULL, "token" varchar(255) NULL, user_id varchar(255) NULL,
    revoked bool NULL, created_at timestamptz NULL, updated_at timestamptz NULL, CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id));
CREATE TABLE auth.identities (
    id text NOT NULL, user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE, identity_data jsonb NOT NULL,
    provider text NOT NULL, created_at timestamptz NULL, CONSTRAINT identities_pkey PRIMARY KEY (provider, id));
CREATE TABLE auth.schema_migrations ("version" varchar(255) NOT NULL, CONSTRAINT schema_migrations_pkey PRIMARY KEY ("version"));
INSERT INTO auth.schema_migrations (version) VALUES ('20171026211738'), ('20171026211808'), ('20180103212743');
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$ select nullif(current_setting('request.jwt.claim.role', true), '')::text $$;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT ALL PRIVILEGES ON SCHEMA auth TO supabase_auth_admin;
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA auth TO supabase_auth_admin;
GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA auth TO supabase_auth_admin;
GRANT USAGE ON SCHEMA auth TO project_owner, dashboard_user;
GRANT ALL ON ALL TABLES IN SCHEMA auth TO project_owner, dashboard_user;
GRANT ALL ON ALL SEQUENCES IN SCHEMA auth TO project_owner, dashboard_user;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO project_owner;
ALTER TABLE auth.users OWNER TO supabase_auth_admin;
ALTER TABLE auth.refresh_tokens OWNER TO supabase_auth_admin;
ALTER TABLE auth.identities OWNER TO supabase_auth_admin;
ALTER TABLE auth.schema_migrations OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.uid() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.role() OWNER TO supabase_auth_admin;

-- storage (00000000000002-storage-schema.sql and the storage API's first migrations, abridged)
CREATE SCHEMA IF NOT EXISTS storage AUTHORIZATION supabase_admin;
GRANT USAGE ON SCHEMA storage TO project_owner, anon, authenticated, service_role;
GRANT ALL ON SCHEMA storage TO supabase_storage_admin WITH GRANT OPTION;
CREATE TABLE storage.buckets (
    id text NOT NULL PRIMARY KEY, name text NOT NULL UNIQUE, owner uuid REFERENCES auth.users(id), public boolean DEFAULT false,
    created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE storage.objects (
    id uuid NOT NULL DEFAULT extensions.uuid_generate_v4() PRIMARY KEY, bucket_id text REFERENCES storage.buckets(id),
    name text, owner uuid REFERENCES auth.users(id), created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
    last_accessed_at timestamptz DEFAULT now(), metadata jsonb,
    path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED);
CREATE UNIQUE INDEX bucketid_objname ON storage.objects USING btree (bucket_id, name);
CREATE TABLE storage.migrations (id integer PRIMARY KEY, name varchar(100) UNIQUE NOT NULL, hash varchar(40) NOT NULL, executed_at timestamp DEFAULT current_timestamp);
INSERT INTO storage.migrations (id, name, hash) VALUES (0, 'create-migrations-table', 'e18db593bcde2aca2a408c4d1100f6abba2195df'), (1, 'initialmigration', '6ab16121fbaa08bbd11b712d05f358f9b555d777');
CREATE FUNCTION storage.update_updated_at_column() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;
CREATE TRIGGER update_objects_updated_at BEFORE UPDATE ON storage.objects FOR EACH ROW EXECUTE FUNCTION storage.update_updated_at_column();
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
GRANT ALL ON ALL TABLES IN SCHEMA storage TO project_owner, anon, authenticated, service_role;
ALTER TABLE storage.buckets OWNER TO supabase_storage_admin;
ALTER TABLE storage.objects OWNER TO supabase_storage_admin;
ALTER TABLE storage.migrations OWNER TO supabase_storage_admin;
ALTER FUNCTION storage.update_updated_at_column() OWNER TO supabase_storage_admin;

-- realtime and vault: platform schemas the dump leaves out entirely
CREATE SCHEMA realtime;
CREATE TABLE realtime.schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp(0));
INSERT INTO realtime.schema_migrations VALUES (20211116024918, now());
CREATE SCHEMA vault;
CREATE TABLE vault.secrets (id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(), name text, secret text NOT NULL);
INSERT INTO vault.secrets (name, secret) VALUES ('stripe', 'sk_live_never_restored');
GRANT USAGE ON SCHEMA realtime, vault TO project_owner;
GRANT SELECT ON ALL TABLES IN SCHEMA realtime, vault TO project_owner;

-- event triggers of the platform (00000000000003-post-setup.sql), owned by the superuser
CREATE FUNCTION extensions.grant_pg_cron_access() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() ev JOIN pg_namespace n ON ev.objid = n.oid WHERE n.nspname = 'cron') THEN
    GRANT USAGE ON SCHEMA cron TO project_owner WITH GRANT OPTION;
  END IF;
END $$;
CREATE EVENT TRIGGER issue_pg_cron_access ON ddl_command_end WHEN TAG IN ('CREATE SCHEMA') EXECUTE FUNCTION extensions.grant_pg_cron_access();
COMMENT ON FUNCTION extensions.grant_pg_cron_access IS 'Grants access to pg_cron';

-- The roles of a Supabase project (cluster-wide), shaped on supabase/postgres migrations/db/init-scripts
-- (00000000000000-initial-schema.sql, -auth-schema.sql, -storage-schema.sql, -post-setup.sql). Run as a superuser.
-- In the hosted platform, supabase_admin is the superuser and postgres is not: this script makes the cluster so.
CREATE ROLE supabase_admin LOGIN SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS PASSWORD 'admin-secret';
CREATE ROLE supabase_replication_admin LOGIN REPLICATION;
CREATE ROLE supabase_read_only_user LOGIN BYPASSRLS;
GRANT pg_read_all_data TO supabase_read_only_user;
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
CREATE ROLE authenticator LOGIN NOINHERIT;
GRANT anon, authenticated, service_role TO authenticator;
CREATE ROLE supabase_auth_admin LOGIN NOINHERIT CREATEROLE NOREPLICATION;
CREATE ROLE supabase_storage_admin LOGIN NOINHERIT CREATEROLE NOREPLICATION;
CREATE ROLE supabase_realtime_admin NOLOGIN NOINHERIT;
CREATE ROLE dashboard_user NOSUPERUSER CREATEDB CREATEROLE REPLICATION;
CREATE ROLE pgbouncer LOGIN;
-- The project's own role: postgres, NOSUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS. Here it is a role of that
-- shape under another name, since the cluster's bootstrap superuser is called postgres.
CREATE ROLE project_owner LOGIN NOSUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS PASSWORD 'owner-secret';
GRANT anon, authenticated, service_role TO project_owner;
GRANT supabase_auth_admin, supabase_storage_admin TO project_owner;
-- supautils lets postgres set session_replication_role on the platform; PostgreSQL 15 can grant it.
GRANT SET ON PARAMETER session_replication_role TO project_owner;

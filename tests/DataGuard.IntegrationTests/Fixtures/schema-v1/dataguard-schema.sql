-- The dataguard schema as the previous release (a323665, round 1) left it: pg_dump --schema-only -n dataguard.
-- The upgrade test loads it, adds rows in that shape, and checks that today's DataGuard upgrades it in place.
CREATE SCHEMA dataguard;
CREATE FUNCTION dataguard.migration_history_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
        BEGIN
            RAISE EXCEPTION 'dataguard.migration_history is append-only';
        END $$;
CREATE TABLE dataguard.export_jobs (
    id uuid NOT NULL,
    subject text NOT NULL,
    formats text[] NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    requested_by text NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    claimed_by text,
    claim_token uuid,
    heartbeat_at timestamp with time zone,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    expires_at timestamp with time zone,
    artifacts jsonb,
    error text,
    CONSTRAINT export_jobs_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'running'::text, 'ready'::text, 'failed'::text, 'expired'::text])))
);
CREATE TABLE dataguard.legal_holds (
    id bigint NOT NULL,
    table_name text NOT NULL,
    column_name text NOT NULL,
    value text NOT NULL,
    reason text NOT NULL,
    placed_by text NOT NULL,
    placed_at timestamp with time zone DEFAULT now() NOT NULL,
    released_at timestamp with time zone,
    released_by text,
    kind text DEFAULT 'table'::text NOT NULL
);
CREATE SEQUENCE dataguard.legal_holds_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE dataguard.legal_holds_id_seq OWNED BY dataguard.legal_holds.id;
CREATE TABLE dataguard.migration_history (
    id bigint NOT NULL,
    version bigint NOT NULL,
    direction text NOT NULL,
    outcome text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    by text NOT NULL,
    duration_ms bigint DEFAULT 0 NOT NULL,
    deploy_id text,
    error text
);
CREATE SEQUENCE dataguard.migration_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE dataguard.migration_history_id_seq OWNED BY dataguard.migration_history.id;
CREATE TABLE dataguard.migrations (
    version bigint NOT NULL,
    title text NOT NULL,
    state text NOT NULL,
    up_sha256 text NOT NULL,
    down_sha256 text,
    down_script text,
    no_transaction boolean DEFAULT false NOT NULL,
    irreversible boolean DEFAULT false NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL,
    applied_by text NOT NULL,
    execution_ms bigint DEFAULT 0 NOT NULL,
    deploy_id text NOT NULL,
    error text,
    CONSTRAINT migrations_state_check CHECK ((state = ANY (ARRAY['applied'::text, 'failed'::text, 'rolledback'::text, 'dirty'::text])))
);
CREATE TABLE dataguard.retention_results (
    id bigint NOT NULL,
    run_id bigint NOT NULL,
    policy text NOT NULL,
    action text NOT NULL,
    rows_affected bigint NOT NULL,
    rows_held bigint NOT NULL,
    batches integer NOT NULL,
    longest_batch_ms bigint NOT NULL,
    duration_ms bigint NOT NULL,
    oldest timestamp with time zone,
    newest timestamp with time zone,
    error text,
    details jsonb
);
CREATE SEQUENCE dataguard.retention_results_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE dataguard.retention_results_id_seq OWNED BY dataguard.retention_results.id;
CREATE TABLE dataguard.retention_runs (
    id bigint NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    dry_run boolean NOT NULL,
    run_by text NOT NULL
);
CREATE SEQUENCE dataguard.retention_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE dataguard.retention_runs_id_seq OWNED BY dataguard.retention_runs.id;
ALTER TABLE ONLY dataguard.legal_holds ALTER COLUMN id SET DEFAULT nextval('dataguard.legal_holds_id_seq'::regclass);
ALTER TABLE ONLY dataguard.migration_history ALTER COLUMN id SET DEFAULT nextval('dataguard.migration_history_id_seq'::regclass);
ALTER TABLE ONLY dataguard.retention_results ALTER COLUMN id SET DEFAULT nextval('dataguard.retention_results_id_seq'::regclass);
ALTER TABLE ONLY dataguard.retention_runs ALTER COLUMN id SET DEFAULT nextval('dataguard.retention_runs_id_seq'::regclass);
ALTER TABLE ONLY dataguard.export_jobs
    ADD CONSTRAINT export_jobs_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dataguard.legal_holds
    ADD CONSTRAINT legal_holds_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dataguard.migration_history
    ADD CONSTRAINT migration_history_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dataguard.migrations
    ADD CONSTRAINT migrations_pkey PRIMARY KEY (version);
ALTER TABLE ONLY dataguard.retention_results
    ADD CONSTRAINT retention_results_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dataguard.retention_runs
    ADD CONSTRAINT retention_runs_pkey PRIMARY KEY (id);
CREATE INDEX export_jobs_open ON dataguard.export_jobs USING btree (requested_at) WHERE (status = ANY (ARRAY['pending'::text, 'running'::text]));
CREATE INDEX export_jobs_subject ON dataguard.export_jobs USING btree (subject, requested_at DESC);
CREATE TRIGGER append_only BEFORE DELETE OR UPDATE ON dataguard.migration_history FOR EACH ROW EXECUTE FUNCTION dataguard.migration_history_append_only();
ALTER TABLE ONLY dataguard.retention_results
    ADD CONSTRAINT retention_results_run_id_fkey FOREIGN KEY (run_id) REFERENCES dataguard.retention_runs(id);

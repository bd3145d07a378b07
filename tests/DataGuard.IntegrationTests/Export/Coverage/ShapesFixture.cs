namespace DataGuard.IntegrationTests.Export.Coverage;

/// <summary>
/// Shapes real schemas have, around one subject table (<c>public.customer</c>, integer key): a range-partitioned
/// table with its foreign key on the parent only; one with no foreign key at all but a <c>customer_id</c> column (a
/// probable link); two levels of sub-partitioning with foreign keys on two leaves only; an inheritance hierarchy
/// (foreign key on the parent and on one child, children adding columns, a grandchild); an inheritance child whose
/// own column references the customer; and an unpartitioned table with an <c>owner_id</c> and no foreign key.
/// Customers 1..4 have rows everywhere.
/// </summary>
internal static class ShapesFixture
{
    public const string Schema = """
        CREATE TABLE public.customer (customer_id integer PRIMARY KEY, name text NOT NULL);
        INSERT INTO public.customer SELECT c, 'Customer ' || c FROM generate_series(1, 4) c;

        CREATE TABLE public.invoices (id integer, customer_id integer NOT NULL REFERENCES public.customer, issued date NOT NULL, total numeric(8, 2),
            PRIMARY KEY (id, issued)) PARTITION BY RANGE (issued);
        CREATE TABLE public.invoices_2021 PARTITION OF public.invoices FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
        CREATE TABLE public.invoices_2022 PARTITION OF public.invoices FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
        CREATE TABLE public.invoices_rest PARTITION OF public.invoices DEFAULT;
        INSERT INTO public.invoices SELECT i, 1 + i % 4, date '2021-01-01' + (i * 11), i FROM generate_series(1, 120) i;

        CREATE TABLE public.notes (id integer, customer_id integer NOT NULL, written date NOT NULL, body text) PARTITION BY RANGE (written);
        CREATE TABLE public.notes_old PARTITION OF public.notes FOR VALUES FROM (MINVALUE) TO ('2022-01-01');
        CREATE TABLE public.notes_new PARTITION OF public.notes FOR VALUES FROM ('2022-01-01') TO (MAXVALUE);
        INSERT INTO public.notes SELECT n, 1 + n % 4, date '2021-06-01' + (n * 9), 'note ' || n FROM generate_series(1, 80) n;

        CREATE TABLE public.visits (id integer, customer_id integer NOT NULL, at date NOT NULL, region text NOT NULL) PARTITION BY RANGE (at);
        CREATE TABLE public.visits_2022 PARTITION OF public.visits FOR VALUES FROM ('2022-01-01') TO ('2023-01-01') PARTITION BY LIST (region);
        CREATE TABLE public.visits_2022_eu PARTITION OF public.visits_2022 FOR VALUES IN ('eu');
        CREATE TABLE public.visits_2022_us PARTITION OF public.visits_2022 FOR VALUES IN ('us');
        CREATE TABLE public.visits_2023 PARTITION OF public.visits FOR VALUES FROM ('2023-01-01') TO ('2024-01-01') PARTITION BY LIST (region);
        CREATE TABLE public.visits_2023_eu PARTITION OF public.visits_2023 FOR VALUES IN ('eu');
        CREATE TABLE public.visits_2023_us PARTITION OF public.visits_2023 FOR VALUES IN ('us');
        ALTER TABLE ONLY public.visits_2022_eu ADD FOREIGN KEY (customer_id) REFERENCES public.customer;
        ALTER TABLE ONLY public.visits_2023_us ADD FOREIGN KEY (customer_id) REFERENCES public.customer;
        INSERT INTO public.visits SELECT v, 1 + v % 4, date '2022-01-01' + (v * 3), CASE WHEN v % 3 = 0 THEN 'us' ELSE 'eu' END FROM generate_series(1, 200) v;

        CREATE TABLE public.contacts (id integer PRIMARY KEY, customer_id integer REFERENCES public.customer, kind text NOT NULL);
        CREATE TABLE public.email_contacts (email text NOT NULL, FOREIGN KEY (customer_id) REFERENCES public.customer) INHERITS (public.contacts);
        CREATE TABLE public.phone_contacts (phone text NOT NULL) INHERITS (public.contacts);
        CREATE TABLE public.sms_contacts (carrier text) INHERITS (public.phone_contacts);
        INSERT INTO public.contacts SELECT c, 1 + c % 4, 'other' FROM generate_series(1, 10) c;
        INSERT INTO public.email_contacts (id, customer_id, kind, email) SELECT c, 1 + c % 4, 'email', 'e' || c || '@example.com' FROM generate_series(11, 30) c;
        INSERT INTO public.phone_contacts (id, customer_id, kind, phone) SELECT c, 1 + c % 4, 'phone', '+1-555-' || c FROM generate_series(31, 50) c;
        INSERT INTO public.sms_contacts (id, customer_id, kind, phone, carrier) SELECT c, 1 + c % 4, 'sms', '+1-556-' || c, 'carrier ' || c FROM generate_series(51, 70) c;

        CREATE TABLE public.referrals (id integer, note text);
        CREATE TABLE public.customer_referrals (referrer integer REFERENCES public.customer) INHERITS (public.referrals);
        INSERT INTO public.referrals SELECT r, 'generic ' || r FROM generate_series(1, 5) r;
        INSERT INTO public.customer_referrals SELECT r, 'by customer', 1 + r % 4 FROM generate_series(6, 25) r;

        CREATE TABLE public.documents (id serial PRIMARY KEY, owner_id integer NOT NULL, title text);
        INSERT INTO public.documents (owner_id, title) SELECT 1 + d % 4, 'doc ' || d FROM generate_series(1, 12) d;
        CREATE TABLE public.products (id serial PRIMARY KEY, title text);
        """;
}

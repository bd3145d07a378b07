namespace DataGuard.IntegrationTests.Export.Coverage;

/// <summary>
/// The shape of the public "pagila" sample schema's customers, rentals and payments (devrimgunduz/pagila,
/// pagila-schema.sql): <c>payment</c> is range-partitioned by <c>payment_date</c> into monthly partitions created on
/// their own and attached; the foreign keys to <c>customer</c> and <c>rental</c> are declared on partitions
/// <c>payment_p2022_01</c> .. <c>_06</c> only (<c>ALTER TABLE ONLY public.payment_p2022_01 ADD CONSTRAINT ...</c>),
/// none on the parent and none on <c>payment_p2022_07</c>. Customer 1 has 60 payments spread over every partition.
/// </summary>
internal static class PagilaFixture
{
    public const string Schema = """
        CREATE TABLE public.customer (
            customer_id serial PRIMARY KEY, store_id integer NOT NULL, first_name text NOT NULL, last_name text NOT NULL,
            email text, activebool boolean DEFAULT true NOT NULL, create_date date DEFAULT CURRENT_DATE NOT NULL);
        CREATE TABLE public.rental (
            rental_id serial PRIMARY KEY, rental_date timestamp with time zone NOT NULL, inventory_id integer NOT NULL,
            customer_id integer NOT NULL REFERENCES public.customer(customer_id) ON UPDATE CASCADE ON DELETE RESTRICT,
            return_date timestamp with time zone, staff_id integer NOT NULL);
        CREATE TABLE public.payment (
            payment_id serial NOT NULL, customer_id integer NOT NULL, staff_id integer NOT NULL, rental_id integer NOT NULL,
            amount numeric(5,2) NOT NULL, payment_date timestamp with time zone NOT NULL) PARTITION BY RANGE (payment_date);
        ALTER TABLE ONLY public.payment ADD CONSTRAINT payment_pkey PRIMARY KEY (payment_date, payment_id);
        DO $$
        BEGIN
            FOR m IN 1..7 LOOP
                EXECUTE format('CREATE TABLE public.payment_p2022_%s (payment_id integer NOT NULL, customer_id integer NOT NULL, staff_id integer NOT NULL, rental_id integer NOT NULL, amount numeric(5,2) NOT NULL, payment_date timestamp with time zone NOT NULL)', lpad(m::text, 2, '0'));
                EXECUTE format('ALTER TABLE ONLY public.payment ATTACH PARTITION public.payment_p2022_%s FOR VALUES FROM (%L) TO (%L)',
                    lpad(m::text, 2, '0'), make_timestamptz(2022, m, 1, 0, 0, 0, 'UTC'), make_timestamptz(2022, m + 1, 1, 0, 0, 0, 'UTC'));
                IF m <= 6 THEN
                    EXECUTE format('ALTER TABLE ONLY public.payment_p2022_%1$s ADD CONSTRAINT payment_p2022_%1$s_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customer(customer_id)', lpad(m::text, 2, '0'));
                    EXECUTE format('ALTER TABLE ONLY public.payment_p2022_%1$s ADD CONSTRAINT payment_p2022_%1$s_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES public.rental(rental_id)', lpad(m::text, 2, '0'));
                END IF;
            END LOOP;
        END $$;

        INSERT INTO public.customer (store_id, first_name, last_name, email)
        SELECT 1 + c % 2, 'First' || c, 'Last' || c, 'c' || c || '@example.com' FROM generate_series(1, 5) c;
        INSERT INTO public.rental (rental_date, inventory_id, customer_id, staff_id)
        SELECT make_timestamptz(2022, 1 + r % 7, 1 + r % 27, 10, 0, 0, 'UTC'), r, 1 + r % 5, 1 FROM generate_series(1, 300) r;
        INSERT INTO public.payment (customer_id, staff_id, rental_id, amount, payment_date)
        SELECT customer_id, 1, rental_id, 0.99 + rental_id % 5, rental_date + interval '1 hour' FROM public.rental;
        """;
}

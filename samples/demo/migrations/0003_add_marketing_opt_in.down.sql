ALTER TABLE users DROP COLUMN marketing_opt_in;

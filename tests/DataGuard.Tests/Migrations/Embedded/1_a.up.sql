CREATE TABLE a (i int);

-- U1: undo V1__create_customers.sql.

drop table shop.customers;

drop schema shop;

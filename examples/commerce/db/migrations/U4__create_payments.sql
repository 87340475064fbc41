-- U4: undo V4__create_payments.sql.

-- The repeatable R__reporting_views.sql builds views on this table; drop them first so the undo
-- does not depend on the order in which repeatables and undos were run.
drop view if exists shop.order_totals;

-- Dropping the partitioned table drops its partitions and its partitioned index.
drop table shop.payments;

-- U3: undo V3__create_orders.sql.

-- The repeatable R__reporting_views.sql builds views on these tables; drop them first so the undo
-- does not depend on the order in which repeatables and undos were run.
drop view if exists shop.order_totals;

drop trigger orders_set_updated_at on shop.orders;

drop function shop.set_updated_at();

drop table shop.order_lines;

drop table shop.orders;

drop type shop.order_status;

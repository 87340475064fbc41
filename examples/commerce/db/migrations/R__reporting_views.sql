-- Repeatable: reporting views. Re-run whenever this file changes; it is applied after all versioned
-- migrations. Views are dropped and created (not "create or replace") so a column can be removed or
-- renamed here without a separate migration.

drop view if exists shop.order_totals;

create view shop.order_totals as
select o.order_id,
       o.customer_id,
       o.status,
       o.placed_at,
       coalesce(l.line_count, 0)     as line_count,
       coalesce(l.item_count, 0)     as item_count,
       coalesce(l.lines_total, 0)    as lines_total,
       o.total,
       coalesce(p.paid_total, 0)     as paid_total,
       o.total - coalesce(p.paid_total, 0) as balance_due
from shop.orders o
left join (select order_id,
                  count(*)        as line_count,
                  sum(quantity)   as item_count,
                  sum(line_total) as lines_total
           from shop.order_lines
           group by order_id) l on l.order_id = o.order_id
left join (select order_id,
                  sum(amount) as paid_total
           from shop.payments
           group by order_id) p on p.order_id = o.order_id;

comment on view shop.order_totals is 'Per order: its lines summed, what was paid, and what is still due.';

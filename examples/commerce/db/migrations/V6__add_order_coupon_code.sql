-- V6: orders remember the coupon they were placed with.
--
-- A nullable column without a default: a catalog-only change, no table rewrite.

alter table shop.orders add column coupon_code text;

comment on column shop.orders.coupon_code is 'Coupon the customer entered at checkout, if any.';

-- U6: undo V6__add_order_coupon_code.sql.

alter table shop.orders drop column coupon_code;

-- U5: undo V5__create_audit_events.sql.

drop table shop.audit_events;

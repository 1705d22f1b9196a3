-- A version for each office's tagging framework, raised by every change to
-- its dimensions, values (but not their last use), aliases or the office's
-- level, in the transaction of the change: app servers keep the framework
-- in memory and read only this number to know it is still current.
ALTER TABLE tag_frameworks ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER tags_framework_insert AFTER INSERT ON tags BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = NEW.office_id;
END;
CREATE TRIGGER tags_framework_update
AFTER UPDATE OF dimension_id, parent_id, name, norm, effect, position, retired_at, merged_into ON tags BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = NEW.office_id;
END;
CREATE TRIGGER tags_framework_delete AFTER DELETE ON tags BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = OLD.office_id;
END;

CREATE TRIGGER tag_dimensions_framework_insert AFTER INSERT ON tag_dimensions BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = NEW.office_id;
END;
CREATE TRIGGER tag_dimensions_framework_update AFTER UPDATE ON tag_dimensions BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = NEW.office_id;
END;
CREATE TRIGGER tag_dimensions_framework_delete AFTER DELETE ON tag_dimensions BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = OLD.office_id;
END;

CREATE TRIGGER tag_aliases_framework_insert AFTER INSERT ON tag_aliases BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = NEW.office_id;
END;
CREATE TRIGGER tag_aliases_framework_update AFTER UPDATE ON tag_aliases BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = NEW.office_id;
END;
CREATE TRIGGER tag_aliases_framework_delete AFTER DELETE ON tag_aliases BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = OLD.office_id;
END;

CREATE TRIGGER offices_level_framework AFTER UPDATE OF level ON offices BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = NEW.id;
END;

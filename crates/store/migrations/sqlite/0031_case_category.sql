-- Each case's Category value, kept on the case itself by the triggers
-- below in the transaction of every change to its tags (see the
-- PostgreSQL migration): the case list's category view checks a column
-- of each recent case instead of looking up each one's tags.
ALTER TABLE cases ADD COLUMN category_id BIGINT;

UPDATE cases SET category_id = (
    SELECT ct.tag_id FROM case_tags ct JOIN tag_dimensions d ON d.id = ct.dimension_id
    WHERE ct.case_id = cases.id AND d.key = 'category' AND NOT ct.free);

CREATE TRIGGER case_category_given AFTER INSERT ON case_tags
WHEN NOT NEW.free AND EXISTS (SELECT 1 FROM tag_dimensions d WHERE d.id = NEW.dimension_id AND d.key = 'category')
BEGIN
    UPDATE cases SET category_id = NEW.tag_id WHERE id = NEW.case_id AND category_id IS NOT NEW.tag_id;
END;
CREATE TRIGGER case_category_gone AFTER DELETE ON case_tags
WHEN NOT OLD.free
BEGIN
    UPDATE cases SET category_id = NULL WHERE id = OLD.case_id AND category_id = OLD.tag_id;
END;
CREATE TRIGGER case_category_changed AFTER UPDATE ON case_tags
BEGIN
    UPDATE cases SET category_id = NULL
    WHERE id = OLD.case_id AND category_id = OLD.tag_id AND NOT OLD.free
      AND NOT (NEW.case_id = OLD.case_id AND NEW.tag_id = OLD.tag_id AND NOT NEW.free);
    UPDATE cases SET category_id = NEW.tag_id
    WHERE id = NEW.case_id AND NOT NEW.free AND category_id IS NOT NEW.tag_id
      AND EXISTS (SELECT 1 FROM tag_dimensions d WHERE d.id = NEW.dimension_id AND d.key = 'category');
END;

/*
 * xml_escape.h — text and attribute values written into XML documents
 * (the DMARC aggregate report, dmarc_report.h): a check that a string may
 * appear in XML 1.0 at all, and escaping of the five markup characters.
 * Not for: parsing XML.
 */
#ifndef GOVMAIL_XML_ESCAPE_H
#define GOVMAIL_XML_ESCAPE_H

#include <stddef.h>

struct strbuf;

/*
 * Is s[0..len) well-formed UTF-8 made only of characters XML 1.0 allows
 * (§2.2: tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD, U+10000..)? With
 * ctl_ok == 0, tab, LF and CR are refused too (values that must stay on
 * one line). 1 or 0.
 */
int xml_text_ok(const char *s, size_t len, int ctl_ok);

/* Append s with & < > " ' written as entities (s must pass xml_text_ok). */
void xml_escape_add(struct strbuf *b, const char *s);

/* Append "<name>" escaped(value) "</name>". */
void xml_element(struct strbuf *b, const char *name, const char *value);

#endif

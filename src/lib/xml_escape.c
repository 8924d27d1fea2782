/*
 * xml_escape.c — checking and escaping text for XML documents (see
 * xml_escape.h). Every string from outside goes through xml_text_ok first,
 * so a report never holds a character that makes it unreadable.
 */
#include <stdint.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"
#include "xml_escape.h"

int
xml_text_ok(const char *s, size_t len, int ctl_ok)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if ((n = utf8_seq(p + i, len - i, &cp)) == 0)
			return 0;
		if (cp < 0x20) {
			if (!ctl_ok || (cp != '\t' && cp != '\n' && cp != '\r'))
				return 0;
		} else if (cp == 0x7f || cp == 0xfffe || cp == 0xffff)
			return 0;
		i += n;
	}
	return 1;
}

void
xml_escape_add(struct strbuf *b, const char *s)
{
	const char *start = s;

	for (; *s != '\0'; s++) {
		const char *ent;

		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&apos;"; break;
		default: continue;
		}
		strbuf_add(b, start, (size_t)(s - start));
		strbuf_str(b, ent);
		start = s + 1;
	}
	strbuf_add(b, start, (size_t)(s - start));
}

void
xml_element(struct strbuf *b, const char *name, const char *value)
{
	strbuf_str(b, "<");
	strbuf_str(b, name);
	strbuf_str(b, ">");
	xml_escape_add(b, value);
	strbuf_str(b, "</");
	strbuf_str(b, name);
	strbuf_str(b, ">");
}

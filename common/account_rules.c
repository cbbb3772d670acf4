/* account_rules.c - see account_rules.h. ASCII-only usernames keep folding
 * trivial and make look-alike Unicode names impossible. */
#include "account_rules.h"

#include <string.h>

static size_t rules_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	}
	return n;
}

static int rules_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

const char *ink_rule_username(const char *s)
{
	size_t n = strlen(s);

	if (n < INK_USERNAME_MIN || n > INK_USERNAME_MAX)
		return "must be 3-32 characters long";
	for (size_t i = 0; i < n; i++) {
		if (!rules_name_char(s[i]))
			return "may contain only letters, digits, '_', '.' and '-'";
	}
	return NULL;
}

const char *ink_rule_password(const char *s)
{
	size_t n = rules_utf8_chars(s);

	if (n < INK_PASSWORD_MIN)
		return "must be at least 10 characters long";
	if (n > INK_PASSWORD_MAX)
		return "must be at most 128 characters long";
	return NULL;
}

const char *ink_rule_email(const char *s)
{
	size_t n = strlen(s);
	const char *at = strchr(s, '@');

	if (n > INK_EMAIL_MAX)
		return "must be at most 254 characters long";
	if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return "must look like name@example.com";
	const char *dot = strrchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0')
		return "must look like name@example.com";
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';')
			return "must look like name@example.com";
	}
	return NULL;
}

void ink_username_fold(const char *s, char *out, size_t out_len)
{
	size_t i = 0;

	for (; s[i] && i + 1 < out_len; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	out[i] = '\0';
}

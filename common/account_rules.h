/*
 * account_rules.h - what a valid username, password and email are.
 *
 * One copy, used by the edge (to report every bad field at once, before any
 * RPC) and by user-svc (which never trusts its caller): the two can never
 * disagree about what is allowed.
 */
#ifndef INKWELL_COMMON_ACCOUNT_RULES_H
#define INKWELL_COMMON_ACCOUNT_RULES_H

#include <stddef.h>

#define INK_USERNAME_MIN 3
#define INK_USERNAME_MAX 32
#define INK_PASSWORD_MIN 10
#define INK_PASSWORD_MAX 128
#define INK_EMAIL_MAX    254

/* Each check returns NULL when `s` is acceptable, else a static message for
 * a user ("must be 3-32 characters: letters, digits, '_', '.', '-'"). `s` is
 * NUL-terminated UTF-8; lengths count characters, not bytes. */
const char *ink_rule_username(const char *s);
const char *ink_rule_password(const char *s);
const char *ink_rule_email(const char *s);

/* ink_username_fold writes the case-folded form of a valid username (ASCII
 * lowercase) into out (out_len > strlen(s)); uniqueness ignores case. */
void ink_username_fold(const char *s, char *out, size_t out_len);

#endif /* INKWELL_COMMON_ACCOUNT_RULES_H */

/* tools_args: call arguments checked against the tool's own inputSchema, so that what a
 * client is told (tools/list) and what a call accepts cannot drift apart. */
#include "tools_int.h"

#include <stdio.h>
#include <string.h>

static int in_enum(json_t *allowed, json_t *v)
{
	size_t i;
	json_t *a;
	json_array_foreach(allowed, i, a)
		if (json_equal(a, v))
			return 1;
	return 0;
}

static int fail(char *why, size_t len, const char *key, const char *what)
{
	snprintf(why, len, "argument \"%s\" %s", key, what);
	return -1;
}

static int check_value(json_t *prop, const char *key, json_t *v, char *why, size_t len)
{
	const char *type = json_string_value(json_object_get(prop, "type"));
	json_t *allowed = json_object_get(prop, "enum"), *items = json_object_get(prop, "items"), *item;
	size_t i;
	if (allowed && !in_enum(allowed, v))
		return fail(why, len, key, "is not one of the values the schema lists");
	if (!type)
		return 0;
	if (!strcmp(type, "string") && (!json_is_string(v) || json_string_length(v) <
					 (size_t)json_integer_value(json_object_get(prop, "minLength"))))
		return fail(why, len, key, "must be a non-empty string");
	if (!strcmp(type, "boolean") && !json_is_boolean(v))
		return fail(why, len, key, "must be true or false");
	if (!strcmp(type, "integer")) {
		json_t *min = json_object_get(prop, "minimum"), *max = json_object_get(prop, "maximum");
		if (!json_is_integer(v) || (min && json_integer_value(v) < json_integer_value(min)) ||
		    (max && json_integer_value(v) > json_integer_value(max))) {
			char what[96];
			snprintf(what, sizeof what, "must be an integer from %lld to %lld",
				 (long long)json_integer_value(min), (long long)json_integer_value(max));
			return fail(why, len, key, what);
		}
	}
	if (!strcmp(type, "array")) {
		if (!json_is_array(v))
			return fail(why, len, key, "must be an array");
		json_array_foreach(v, i, item)
			if (check_value(items, key, item, why, len) < 0)
				return -1;
	}
	return 0;
}

int t_check_args(json_t *schema, json_t *args, char *why, size_t whylen)
{
	json_t *props = json_object_get(schema, "properties"), *v;
	const char *key;
	size_t i;
	json_object_foreach(args, key, v) {
		json_t *prop = json_object_get(props, key);
		if (!prop)
			return fail(why, whylen, key, "is not an argument of this tool");
		if (check_value(prop, key, v, why, whylen) < 0)
			return -1;
	}
	json_array_foreach(json_object_get(schema, "required"), i, v)
		if (!json_object_get(args, json_string_value(v)))
			return fail(why, whylen, json_string_value(v), "is required");
	return 0;
}

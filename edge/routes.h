/*
 * routes.h - the edge's route table: every public path, in one list
 * (routes.c). Adding a route is one line there plus one handler function.
 */
#ifndef INKWELL_EDGE_ROUTES_H
#define INKWELL_EDGE_ROUTES_H

#include <stddef.h>

#include "router.h"

extern const edge_route edge_routes[];
extern const size_t edge_routes_len;

#endif /* INKWELL_EDGE_ROUTES_H */

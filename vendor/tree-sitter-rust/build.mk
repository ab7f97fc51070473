# vendor/tree-sitter-rust/build.mk: the tree-sitter Rust grammar (0.21.0, from the npm registry)
# and the cg-calls binary that uses it. Included by the Makefile after its own rules; the
# grammar is generated code, compiled without cg's warning flags.
TS_RUST_OBJ = $(B)/vendor/tree-sitter-rust/parser.o $(B)/vendor/tree-sitter-rust/scanner.o

$(B)/vendor/tree-sitter-rust/%.o: vendor/tree-sitter-rust/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(CFLAGS) $(SAN_FLAGS) -Ivendor/tree-sitter-rust -w -c $< -o $@

$(B)/bin/cg-calls: cmd/cg-calls.c $(B)/libcg.a $(TS_RUST_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(B)/libcg.a $(TS_RUST_OBJ) $(LIBS) -ltree-sitter

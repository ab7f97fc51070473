/* err: error codes shared by every tool (their exit statuses) and an error value with a message. */
#ifndef CG_ERR_H
#define CG_ERR_H

enum cg_status {
	CG_OK = 0,
	CG_ENEGATIVE = 1,   /* a negative answer: damage found, no match with -e */
	CG_EUSAGE = 2,      /* bad command line */
	CG_EPARTIAL = 3,    /* answered, but some shards could not be read */
	CG_EREPORT = 4,     /* the change is committed, but its report on stdout could not be written */
	CG_EDATA = 65,      /* malformed input (EX_DATAERR) */
	CG_ENOINPUT = 66,   /* store or input file missing (EX_NOINPUT) */
	CG_EINTERNAL = 70,  /* a bug (EX_SOFTWARE) */
	CG_EEXISTS = 73,    /* store already exists / cannot create (EX_CANTCREAT) */
	CG_EIO = 74,        /* I/O or RocksDB error (EX_IOERR) */
	CG_ELOCKED = 75     /* another writer holds the store (EX_TEMPFAIL) */
};

typedef struct cg_err {
	int code;
	char msg[1024];
} cg_err;

/* Records code and message in err (which may be NULL) and returns code, so that
 * callers can write `return cg_err_set(err, CG_EIO, "...")`. */
int cg_err_set(cg_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, with strerror(errnum) appended after ": ". */
int cg_err_sys(cg_err *err, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Takes a RocksDB errptr string: records it after the context, frees it, returns CG_EIO. */
int cg_err_rocks(cg_err *err, char *rocks_msg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "prefix: " in front of an existing message (used to add a file name or line). */
int cg_err_prefix(cg_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void cg_err_clear(cg_err *err);

#endif

/* parse_cli.h — `feedd --parse [--url URL] [--header "Name: value"]… FILE…`:
 * prints what the parser sees, one JSON object per file and line, touching
 * no store and no network. */
#ifndef FEEDD_PARSE_CLI_H
#define FEEDD_PARSE_CLI_H

/* ARGV is feedd's whole command line (it contains --parse). Returns the
 * exit status: 0, 1 when a file was unreadable or not a feed, 2 on usage. */
int parse_cli_main(int argc, char **argv);

#endif

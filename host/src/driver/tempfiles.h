/*
 * tempfiles.h - backends announce the temporary paths they create outside
 * the caller's control (hta_set_temp_hook in hta.h): a program killed by a
 * signal never reaches hta_close, so its handler must know what to remove.
 */
#ifndef HTA_TEMPFILES_H
#define HTA_TEMPFILES_H

/* path was created (is_dir: a folder to remove with its contents) or will
 * be (a name another library creates for us); it goes at close. */
void hta_temp_created(const char *path, int is_dir);
/* path is gone (removed at close). */
void hta_temp_removed(const char *path);

#endif /* HTA_TEMPFILES_H */

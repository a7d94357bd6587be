/*
 * dynlib.h - the libraries of the optional backends (libusb-1.0 for usb,
 * libxrt_coreutil for xrt) are loaded when the first such device opens, not
 * linked: a program that uses only the cpu and sim devices neither needs
 * them installed nor loads them (libhta.so has no dependency on them).
 *
 * A backend lists the functions it calls in an X-macro and keeps them in a
 * struct of function pointers (one per name, in list order; POSIX makes every
 * function pointer the size of void *, which dlsym relies on too):
 *
 *   #define USB_FUNCS(X) X(libusb_init) X(libusb_exit) ...
 *   #define HTA_DYN_PTR(f) __typeof__(f) *f;
 *   static struct { USB_FUNCS(HTA_DYN_PTR) } usb;
 *   #define HTA_DYN_NAME(f) #f,
 *   static const char *const usb_names[] = {USB_FUNCS(HTA_DYN_NAME)};
 *   ... hta_dynlib_load(sonames, "libusb-1.0-0", usb_names,
 *                       0 USB_FUNCS(HTA_DYN_COUNT), &usb, err, len)
 *   ... usb.libusb_init(&ctx);
 */
#ifndef HTA_DYNLIB_H
#define HTA_DYNLIB_H

#include <stddef.h>

#define HTA_DYN_PTR(f) __typeof__(f) *f;
#define HTA_DYN_NAME(f) #f,
#define HTA_DYN_COUNT(f) +1 /* 0 LIST(HTA_DYN_COUNT): the number of names */

/* Load the first of sonames (NULL-terminated) that dlopen finds and resolve
 * names[0..n-1] into the n pointers at fns. Thread-safe and idempotent per
 * fns (a second call returns 0 at once). 0, or -1 with a message naming the
 * library and the Debian package that provides it (pkg), or the missing
 * symbol. Libraries stay loaded until the process ends. */
int hta_dynlib_load(const char *const *sonames, const char *pkg, const char *const *names,
                    int n, void *fns, char *err, size_t errlen);

#endif /* HTA_DYNLIB_H */

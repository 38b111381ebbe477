#include <turbojpeg.h>
#include <spng.h>

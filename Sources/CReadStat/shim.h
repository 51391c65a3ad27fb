// ReadStat (Debian libreadstat-dev): SPSS .sav/.zsav and Stata .dta files. It ships no pkg-config
// file, so the module map links it by name.
#include <readstat.h>

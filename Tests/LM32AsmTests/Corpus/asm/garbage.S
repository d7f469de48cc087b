nop
@@@ junk

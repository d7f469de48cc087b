# an unknown mnemonic
.text
    ad r1, r2, r3

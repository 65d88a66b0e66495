"""Passwords too common to accept, whatever their length: the ones of 8 or more characters that lead the published
lists of leaked passwords, and the obvious words of this product's setting. Compared without case."""

COMMON_PASSWORDS = frozenset(
    """
    12345678 123456789 1234567890 0123456789 11111111 00000000 22222222 88888888 87654321 987654321 12341234
    11223344 12121212 13131313 112233445566 123123123 123456789a 1234567a 12345678a 1q2w3e4r 1q2w3e4r5t
    1qaz2wsx 1qazxsw2 zaq12wsx qwertyui qwertyuiop qwerty123 qwerty12 qwertz123 azertyuiop asdfghjk asdfghjkl
    zxcvbnm1 zxcvbnma password password1 password12 password123 password! passw0rd p@ssw0rd p@ssword
    pa55word pa55w0rd letmein1 letmein123 welcome1 welcome123 iloveyou iloveyou1 sunshine princess football
    baseball superman starwars trustno1 whatever michelle jennifer computer internet corvette mercedes
    1passwor 11111111a abc12345 abcd1234 abcdefgh aaaaaaaa changeme changeme1 default1 administrator
    admin123 admin1234 adminadmin rootroot secret12 secret123 master12 masterkey dragon12 monkey12
    football1 baseball1 qazwsxedc 123qweasd 1234qwer q1w2e3r4 q1w2e3r4t5 asdf1234 zxcv1234 passpass
    testtest test1234 guest123 student1 student123 students teacher1 teacher123 instructor plagdetect
    plagiarism plagiarism1 university
    """.split()
)

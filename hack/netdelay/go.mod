module kvcluster.dev/netdelay

go 1.22

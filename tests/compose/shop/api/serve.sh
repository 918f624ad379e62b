# Serves its environment and what it can see, as the api of the shop fixture.
mkdir -p /www
env > /www/env
cat /etc/api/config.ini > /www/config
exec httpd -f -p 8080 -h /www

/*
 * certs.js - placeholder so index.html loads without a 404; helper I (importaudit)
 * replaces this file with the page.
 */

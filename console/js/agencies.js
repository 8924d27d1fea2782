/*
 * agencies.js - placeholder so index.html loads without a 404; helper A (agencies)
 * replaces this file with the page.
 */

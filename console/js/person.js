/*
 * person.js - (being written by helper C)
 */

/*
 * newaccount.js - (being written by helper C)
 */
